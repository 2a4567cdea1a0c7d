CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"forge" text NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"planned_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"job_key" text NOT NULL,
	"name" text NOT NULL,
	"namespace" text NOT NULL,
	"labels" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"conclusion" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"runner_name" text,
	"check_run_id" bigint,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"message" text,
	"published_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "log_chunks" (
	"job_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"seq" integer NOT NULL,
	"offset" bigint NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "log_chunks_job_id_attempt_seq_pk" PRIMARY KEY("job_id","attempt","seq")
);
--> statement-breakpoint
CREATE TABLE "namespaces" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_statuses" (
	"run_id" uuid NOT NULL,
	"namespace" text NOT NULL,
	"context" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_statuses_run_id_namespace_pk" PRIMARY KEY("run_id","namespace")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"delivery_id" text NOT NULL,
	"forge" text NOT NULL,
	"installation_id" bigint,
	"repository" text NOT NULL,
	"workflow_path" text NOT NULL,
	"workflow_name" text NOT NULL,
	"event_name" text NOT NULL,
	"sha" text NOT NULL,
	"ref" text NOT NULL,
	"access_token" text NOT NULL,
	"run_number" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"conclusion" text,
	"error" text,
	"check_run_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_chunks" ADD CONSTRAINT "log_chunks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_statuses" ADD CONSTRAINT "run_statuses_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_run_key_namespace" ON "jobs" USING btree ("run_id","job_key","namespace");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_delivery_workflow" ON "runs" USING btree ("delivery_id","workflow_path");--> statement-breakpoint
CREATE INDEX "runs_repository_sha" ON "runs" USING btree ("repository","sha");