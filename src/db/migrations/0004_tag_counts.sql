CREATE TABLE "tag_counts" (
	"tag" text PRIMARY KEY NOT NULL,
	"public_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tag_counts_public_count_tag_idx" ON "tag_counts" USING btree ("public_count","tag");--> statement-breakpoint
INSERT INTO "tag_counts" ("tag", "public_count")
SELECT "recipe_tags"."tag", count(*) FROM "recipe_tags"
JOIN "recipes" ON "recipes"."id" = "recipe_tags"."recipe_id"
WHERE "recipes"."visibility" = 'public'
GROUP BY "recipe_tags"."tag";
