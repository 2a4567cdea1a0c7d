CREATE TABLE "followed_workflows" (
	"forge" text NOT NULL,
	"repository_name" text NOT NULL,
	"workflow_name" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "followed_workflows_forge_repository_name_workflow_name_pk" PRIMARY KEY("forge","repository_name","workflow_name")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"forge" text NOT NULL,
	"repository_name" text NOT NULL,
	"workflow_path" text NOT NULL,
	"cron" text NOT NULL,
	"timezone" text DEFAULT '' NOT NULL,
	"installation_id" bigint,
	"repository" jsonb NOT NULL,
	"actor" text NOT NULL,
	"sha" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedules_forge_repository_name_workflow_path_cron_timezone_pk" PRIMARY KEY("forge","repository_name","workflow_path","cron","timezone")
);
