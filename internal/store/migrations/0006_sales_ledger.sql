-- Sales from the tills and the points ledger.
--
-- A sale is keyed by (store, terminal, receipt number): a till that sends
-- the same receipt again gets the first answer back (response) and nothing
-- changes; the same receipt with another body (request_hash) is a conflict.
-- Refunds are keyed the same way with their own refund number.
--
-- The ledger is append-only: points_entries says every change of a
-- member's points, with the rule and the source that produced it. Earn
-- entries open lots (points_lots) that expire; spending takes from lots
-- first-to-expire-first and points_takes records which. member_points caches
-- each member's balance; it always equals the sum of the member's entries,
-- which `linli check` verifies.
--
-- Conventions the code relies on (no schema change): an earn entry's rule
-- holds the rule codes ("base_rate,promotion") and its reason the full
-- reasons as JSON; the redemption rate (redeem_fen_per_point, default 1 fen
-- per point) is stored with the loyalty rules in settings "loyalty.rules";
-- points paid that a refund gives back open a new lot expiring with the
-- latest of the lots they were taken from. A member merge moves entries and
-- lots and recomputes the survivor's member_points from its entries.

CREATE TABLE sales (
    id              {{ID}},
    store_id        BIGINT NOT NULL REFERENCES stores(id),
    terminal        TEXT NOT NULL,
    receipt_no      TEXT NOT NULL,
    request_hash    {{BLOB}} NOT NULL,
    member_id       BIGINT REFERENCES members(id),
    cashier         TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT 'store',   -- store, online
    pickup_status   TEXT NOT NULL DEFAULT '',        -- online orders: pending, ready, collected, cancelled
    sold_at         BIGINT NOT NULL,
    amount_fen      BIGINT NOT NULL,                 -- what the lines come to, after line discounts
    discount_fen    BIGINT NOT NULL DEFAULT 0,
    points_earned   BIGINT NOT NULL DEFAULT 0,
    points_redeemed BIGINT NOT NULL DEFAULT 0,
    refunded_fen    BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'completed', -- completed, refunded, voided
    response        TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (store_id, terminal, receipt_no)
);
CREATE INDEX sales_member ON sales(member_id, sold_at);
CREATE INDEX sales_sold_at ON sales(sold_at);

CREATE TABLE sale_lines (
    sale_id         BIGINT NOT NULL REFERENCES sales(id),
    line_no         INTEGER NOT NULL,
    product_id      BIGINT REFERENCES products(id),
    product_code    TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL DEFAULT 'piece',   -- piece: quantity in pieces; weight: in grams
    quantity        BIGINT NOT NULL,
    unit_price_fen  BIGINT NOT NULL,                 -- per piece, or per kilogram
    discount_fen    BIGINT NOT NULL DEFAULT 0,
    amount_fen      BIGINT NOT NULL,
    points          BIGINT NOT NULL DEFAULT 0,
    refunded_qty    BIGINT NOT NULL DEFAULT 0,
    refunded_fen    BIGINT NOT NULL DEFAULT 0,
    points_reversed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, line_no)
);

CREATE TABLE sale_payments (
    sale_id     BIGINT NOT NULL REFERENCES sales(id),
    seq         INTEGER NOT NULL,
    method      TEXT NOT NULL,      -- cash, card, mobile, points, coupon, gift_card
    amount_fen  BIGINT NOT NULL,
    points      BIGINT NOT NULL DEFAULT 0, -- for method points: the points spent
    PRIMARY KEY (sale_id, seq)
);

CREATE TABLE refunds (
    id              {{ID}},
    sale_id         BIGINT NOT NULL REFERENCES sales(id),
    store_id        BIGINT NOT NULL REFERENCES stores(id),
    terminal        TEXT NOT NULL,
    refund_no       TEXT NOT NULL,
    request_hash    {{BLOB}} NOT NULL,
    amount_fen      BIGINT NOT NULL,
    points_reversed BIGINT NOT NULL DEFAULT 0,  -- earned points taken back
    points_returned BIGINT NOT NULL DEFAULT 0,  -- spent points given back
    points_unrecovered BIGINT NOT NULL DEFAULT 0, -- earned points already spent, not taken back
    reason          TEXT NOT NULL DEFAULT '',
    response        TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL,
    UNIQUE (store_id, terminal, refund_no)
);
CREATE INDEX refunds_sale ON refunds(sale_id);

CREATE TABLE refund_lines (
    refund_id   BIGINT NOT NULL REFERENCES refunds(id),
    line_no     INTEGER NOT NULL,
    quantity    BIGINT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    points      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (refund_id, line_no)
);

CREATE TABLE points_entries (
    id          {{ID}},
    member_id   BIGINT NOT NULL REFERENCES members(id),
    delta       BIGINT NOT NULL,
    kind        TEXT NOT NULL,       -- earn, redeem, expire, refund_reversal, refund_return, adjust
    source      TEXT NOT NULL,       -- sale, refund, manual, job
    source_id   BIGINT,
    rule        TEXT NOT NULL DEFAULT '',
    operator    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX points_entries_member ON points_entries(member_id, id);
CREATE INDEX points_entries_source ON points_entries(source, source_id);

CREATE TABLE points_lots (
    id          {{ID}},
    member_id   BIGINT NOT NULL REFERENCES members(id),
    entry_id    BIGINT NOT NULL REFERENCES points_entries(id),
    points      BIGINT NOT NULL,
    remaining   BIGINT NOT NULL,
    earned_at   BIGINT NOT NULL,
    expires_at  BIGINT             -- NULL: never
);
CREATE INDEX points_lots_member ON points_lots(member_id, remaining);
CREATE INDEX points_lots_expiry ON points_lots(expires_at, remaining);

CREATE TABLE points_takes (
    entry_id    BIGINT NOT NULL REFERENCES points_entries(id),
    lot_id      BIGINT NOT NULL REFERENCES points_lots(id),
    points      BIGINT NOT NULL,     -- taken from the lot (negative: given back to it)
    PRIMARY KEY (entry_id, lot_id)
);
CREATE INDEX points_takes_lot ON points_takes(lot_id);

CREATE TABLE member_points (
    member_id   BIGINT PRIMARY KEY REFERENCES members(id),
    balance     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
