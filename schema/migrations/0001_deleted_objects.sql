CREATE TABLE "deleted_objects" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deleted_objects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"storage_key" text NOT NULL,
	"pick_up_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "deleted_objects_storage_key_idx" ON "deleted_objects" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "deleted_objects_pick_up_at_idx" ON "deleted_objects" USING btree ("pick_up_at");