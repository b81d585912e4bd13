CREATE TABLE "slack_import_ids" (
	"community_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"slack_id" text NOT NULL,
	"local_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slack_import_ids_community_id_kind_slack_id_pk" PRIMARY KEY("community_id","kind","slack_id")
);
--> statement-breakpoint
ALTER TABLE "invites" ADD COLUMN "claim_user_id" uuid;--> statement-breakpoint
ALTER TABLE "slack_import_ids" ADD CONSTRAINT "slack_import_ids_community_id_communities_id_fk" FOREIGN KEY ("community_id") REFERENCES "public"."communities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invites" ADD CONSTRAINT "invites_claim_user_id_users_id_fk" FOREIGN KEY ("claim_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;