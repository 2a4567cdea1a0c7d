ALTER TABLE "namespaces" ADD COLUMN "priority" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "namespaces" ADD COLUMN "weights" text DEFAULT '' NOT NULL;