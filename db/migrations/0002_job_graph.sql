ALTER TABLE "jobs" ADD COLUMN "job_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "needs" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "condition" text DEFAULT 'success()' NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "spec" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "max_parallel" integer;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "outputs" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "github_context" jsonb DEFAULT '{}'::jsonb NOT NULL;