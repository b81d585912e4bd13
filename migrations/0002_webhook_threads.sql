CREATE TABLE "webhook_threads" (
	"webhook_id" uuid NOT NULL,
	"thread_key" text NOT NULL,
	"message_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_threads_webhook_id_thread_key_pk" PRIMARY KEY("webhook_id","thread_key")
);
--> statement-breakpoint
ALTER TABLE "webhook_threads" ADD CONSTRAINT "webhook_threads_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_threads" ADD CONSTRAINT "webhook_threads_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;