CREATE TABLE "federation_followers" (
	"name" text PRIMARY KEY NOT NULL,
	"accepted" boolean DEFAULT false NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation_publications" (
	"pattern" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "federation_upstreams" (
	"name" text PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"stream" text NOT NULL,
	"follower" text NOT NULL,
	"deliver" text NOT NULL,
	"results_subject" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "git_follows" ADD COLUMN "upstream" text;