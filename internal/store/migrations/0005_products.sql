-- Products: the chain's catalogue. Prices are integer fen; a product sold
-- by weight is priced per kilogram. The barcode is optional ('' when none).

CREATE TABLE products (
    id          {{ID}},
    code        TEXT NOT NULL UNIQUE,
    barcode     TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    brand       TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT 'piece' CHECK (unit IN ('piece', 'weight')),
    price_fen   BIGINT NOT NULL CHECK (price_fen >= 0 AND price_fen < 1000000000),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- Lists page newest first (ORDER BY id DESC), optionally within a category.
CREATE INDEX products_active_id ON products(active, id);
CREATE INDEX products_category_id ON products(category, id);
CREATE INDEX products_name ON products(name);
CREATE INDEX products_barcode ON products(barcode);
