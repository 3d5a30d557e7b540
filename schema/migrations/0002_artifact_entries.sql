CREATE TABLE "artifact_entries" (
	"artifact_id" integer NOT NULL,
	"path" text NOT NULL,
	"method" integer NOT NULL,
	"flags" integer NOT NULL,
	"crc32" bigint NOT NULL,
	"compressed_size" bigint NOT NULL,
	"uncompressed_size" bigint NOT NULL,
	"local_header_offset" bigint NOT NULL,
	"end_offset" bigint NOT NULL,
	"extra_length" integer NOT NULL,
	CONSTRAINT "artifact_entries_artifact_id_path_pk" PRIMARY KEY("artifact_id","path")
);
--> statement-breakpoint
ALTER TABLE "job_artifacts" ADD COLUMN "entries_indexed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "artifact_entries" ADD CONSTRAINT "artifact_entries_artifact_id_job_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."job_artifacts"("id") ON DELETE cascade ON UPDATE no action;