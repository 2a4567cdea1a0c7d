CREATE TABLE "approvals" (
	"repository" text NOT NULL,
	"sha" text NOT NULL,
	"pull_number" integer NOT NULL,
	"approved_by" text NOT NULL,
	"approved_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approvals_repository_sha_pk" PRIMARY KEY("repository","sha")
);
--> statement-breakpoint
CREATE TABLE "pull_requests" (
	"repository" text NOT NULL,
	"number" integer NOT NULL,
	"head_sha" text NOT NULL,
	"fork" boolean DEFAULT false NOT NULL,
	"author" text NOT NULL,
	"summary_comment_id" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pull_requests_repository_number_pk" PRIMARY KEY("repository","number")
);
--> statement-breakpoint
DROP INDEX "jobs_run_key_namespace";--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "run_attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_run_key_namespace_attempt" ON "jobs" USING btree ("run_id","job_key","namespace","run_attempt");