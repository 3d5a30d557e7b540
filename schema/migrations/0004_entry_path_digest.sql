-- Security review finding 10: key entries on a digest of their name, so names past a btree
-- row's ~2.7 KB can be indexed. Rows already there get the digest the application computes
-- (hex SHA-256 of the name's UTF-8 bytes) before the key moves to it.
ALTER TABLE "artifact_entries" ADD COLUMN "path_sha256" text;--> statement-breakpoint
UPDATE "artifact_entries" SET "path_sha256" = encode(sha256(convert_to("path", 'UTF8')), 'hex');--> statement-breakpoint
ALTER TABLE "artifact_entries" ALTER COLUMN "path_sha256" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "artifact_entries" DROP CONSTRAINT "artifact_entries_artifact_id_path_pk";--> statement-breakpoint
ALTER TABLE "artifact_entries" ADD CONSTRAINT "artifact_entries_artifact_id_path_sha256_pk" PRIMARY KEY("artifact_id","path_sha256");
