CREATE TABLE "git_follows" (
	"name" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"branches" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"results_repo" text,
	"hook_token_hash" text,
	"heads" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"default_branch" text,
	"polled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "git_follows_url_unique" UNIQUE("url")
);
