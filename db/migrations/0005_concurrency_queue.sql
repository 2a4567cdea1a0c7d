CREATE TABLE "concurrency_groups" (
	"repository" text NOT NULL,
	"scope" text NOT NULL,
	"name" text NOT NULL,
	"running" uuid,
	"pending" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concurrency_groups_repository_scope_name_pk" PRIMARY KEY("repository","scope","name")
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "concurrency_group" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "concurrency_cancel" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "waited_for" text;