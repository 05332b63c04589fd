CREATE TABLE "job_backlog" (
	"job_id" uuid PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "job_backlog_queue_due_at_idx" ON "job_backlog" USING btree ("queue","due_at");