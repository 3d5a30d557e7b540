-- Issue 9 goal 5: the index belongs to the archive's object (its storage key), not to the
-- job_artifacts row, so that an upload writes it while storage is still taking the archive and
-- the transaction that records the archive carries none of it (schema/artifact-entries.ts).
-- Rows already indexed take their artifact's key; the foreign key's cascade becomes the object's
-- deletion (lib/retention/deletion-queue.ts).
ALTER TABLE "artifact_entry_groups" ADD COLUMN "storage_key" text collate "C";--> statement-breakpoint
UPDATE "artifact_entry_groups" g SET "storage_key" = a."storage_key"
FROM "job_artifacts" a WHERE a."id" = g."artifact_id";--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" DROP CONSTRAINT "artifact_entry_groups_artifact_id_job_artifacts_id_fk";--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" DROP CONSTRAINT "artifact_entry_groups_artifact_id_first_key_first_sha256_pk";--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" DROP COLUMN "artifact_id";--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" ALTER COLUMN "storage_key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "artifact_entry_groups" ADD CONSTRAINT "artifact_entry_groups_storage_key_first_key_first_sha256_pk" PRIMARY KEY("storage_key","first_key","first_sha256");
