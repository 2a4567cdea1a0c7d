-- Every installation starts with the namespace 'default'.
INSERT INTO "namespaces" ("name") VALUES ('default') ON CONFLICT DO NOTHING;
