-- Membership tiers. The tiers themselves are configuration, stored as JSON
-- in settings "loyalty.tiers". A member without a member_tiers row is at
-- the lowest tier. Upgrades happen on the sale that qualifies (source_id is
-- the sale); downgrades and dormancy at the review.

CREATE TABLE member_tiers (
    member_id   BIGINT PRIMARY KEY REFERENCES members(id),
    tier        TEXT NOT NULL,
    since       BIGINT NOT NULL,
    reviewed_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tier_history (
    id          {{ID}},
    member_id   BIGINT NOT NULL REFERENCES members(id),
    from_tier   TEXT NOT NULL,
    to_tier     TEXT NOT NULL,
    reason      TEXT NOT NULL,       -- upgrade, review_downgrade, dormant, manual
    at          BIGINT NOT NULL,
    source_id   BIGINT               -- upgrade: the sale
);
CREATE INDEX tier_history_member ON tier_history(member_id, id);
