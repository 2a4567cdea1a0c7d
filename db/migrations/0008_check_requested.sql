ALTER TABLE "jobs" ADD COLUMN "check_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "check_requested_at" timestamp with time zone;