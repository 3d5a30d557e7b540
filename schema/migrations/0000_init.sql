CREATE TABLE "job_artifacts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_artifacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"project_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"file_type" text NOT NULL,
	"file_format" text NOT NULL,
	"file_name" text NOT NULL,
	"storage_key" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"accessibility" text DEFAULT 'public' NOT NULL,
	"expire_at" timestamp with time zone,
	"locked" text DEFAULT 'unknown' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"project_id" integer NOT NULL,
	"pipeline_id" integer NOT NULL,
	"name" text NOT NULL,
	"stage" text DEFAULT 'test' NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"retried" boolean DEFAULT false NOT NULL,
	"allow_failure" boolean DEFAULT false NOT NULL,
	"user_id" integer,
	"token_digest" text,
	"coverage" double precision,
	"tag_list" text[] DEFAULT '{}'::text[] NOT NULL,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"erased_at" timestamp with time zone,
	"artifacts_expire_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pipelines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"iid" integer NOT NULL,
	"project_id" integer NOT NULL,
	"ref" text NOT NULL,
	"tag" boolean DEFAULT false NOT NULL,
	"sha" text NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"source" text DEFAULT 'api' NOT NULL,
	"parent_pipeline_id" integer,
	"locked" text DEFAULT 'artifacts_locked' NOT NULL,
	"user_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "job_token_scope_links" (
	"source_project_id" integer NOT NULL,
	"target_project_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_token_scope_links_source_project_id_target_project_id_pk" PRIMARY KEY("source_project_id","target_project_id")
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"project_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"access_level" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_members_project_id_user_id_pk" PRIMARY KEY("project_id","user_id"),
	CONSTRAINT "project_members_access_level_check" CHECK ("project_members"."access_level" in (10, 20, 30, 40, 50))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "projects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"path" text NOT NULL,
	"namespace" text DEFAULT '' NOT NULL,
	"full_path" text NOT NULL,
	"visibility" text DEFAULT 'private' NOT NULL,
	"public_builds" boolean DEFAULT true NOT NULL,
	"keep_latest_artifact" boolean DEFAULT true NOT NULL,
	"ci_inbound_job_token_scope_enabled" boolean DEFAULT true NOT NULL,
	"ci_outbound_job_token_scope_enabled" boolean DEFAULT false NOT NULL,
	"builds_enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "personal_access_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "personal_access_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" integer NOT NULL,
	"name" text NOT NULL,
	"token_digest" text NOT NULL,
	"scopes" text[] NOT NULL,
	"expires_at" date,
	"revoked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"username" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"admin" boolean DEFAULT false NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_artifacts" ADD CONSTRAINT "job_artifacts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_artifacts" ADD CONSTRAINT "job_artifacts_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_parent_pipeline_id_pipelines_id_fk" FOREIGN KEY ("parent_pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_token_scope_links" ADD CONSTRAINT "job_token_scope_links_source_project_id_projects_id_fk" FOREIGN KEY ("source_project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_token_scope_links" ADD CONSTRAINT "job_token_scope_links_target_project_id_projects_id_fk" FOREIGN KEY ("target_project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personal_access_tokens" ADD CONSTRAINT "personal_access_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_artifacts_job_type_idx" ON "job_artifacts" USING btree ("job_id","file_type");--> statement-breakpoint
CREATE UNIQUE INDEX "job_artifacts_storage_key_idx" ON "job_artifacts" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "job_artifacts_expire_at_idx" ON "job_artifacts" USING btree ("expire_at");--> statement-breakpoint
CREATE INDEX "job_artifacts_project_idx" ON "job_artifacts" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_token_digest_idx" ON "jobs" USING btree ("token_digest");--> statement-breakpoint
CREATE INDEX "jobs_pipeline_name_idx" ON "jobs" USING btree ("pipeline_id","name");--> statement-breakpoint
CREATE INDEX "jobs_project_idx" ON "jobs" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pipelines_project_iid_idx" ON "pipelines" USING btree ("project_id","iid");--> statement-breakpoint
CREATE INDEX "pipelines_latest_for_ref_idx" ON "pipelines" USING btree ("project_id","ref","status","id" desc);--> statement-breakpoint
CREATE INDEX "pipelines_parent_idx" ON "pipelines" USING btree ("parent_pipeline_id");--> statement-breakpoint
CREATE INDEX "job_token_scope_links_target_idx" ON "job_token_scope_links" USING btree ("target_project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_full_path_lower_idx" ON "projects" USING btree (lower("full_path"));--> statement-breakpoint
CREATE UNIQUE INDEX "personal_access_tokens_digest_idx" ON "personal_access_tokens" USING btree ("token_digest");--> statement-breakpoint
CREATE INDEX "personal_access_tokens_user_idx" ON "personal_access_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_lower_idx" ON "users" USING btree (lower("username"));