ALTER TABLE "runs" ADD COLUMN "private" boolean;--> statement-breakpoint
CREATE INDEX "runs_created" ON "runs" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);