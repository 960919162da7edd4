package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/linli/linli/internal/sales"
)

var _ sales.ReportStore = (*Sales)(nil)

// liabilityLots sums the points left in valid lots by the store of the
// entry that opened them: an earn entry's sale, a refund_return entry's
// refunded sale; adjustments have none (0). SUM is NUMERIC on PostgreSQL,
// hence the cast.
const liabilityLots = `SELECT x.store_id, COALESCE(st.code, ''), COALESCE(st.name, ''), COALESCE(st.timezone, ''),
	x.expires_at, x.points FROM (
		SELECT COALESCE(s.store_id, rs.store_id, 0) AS store_id, l.expires_at AS expires_at,
			CAST(SUM(l.remaining) AS BIGINT) AS points
		FROM points_lots l
		JOIN points_entries e ON e.id = l.entry_id
		LEFT JOIN sales s ON e.source = 'sale' AND s.id = e.source_id
		LEFT JOIN refunds r ON e.source = 'refund' AND r.id = e.source_id
		LEFT JOIN sales rs ON rs.id = r.sale_id
		WHERE l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > ?)
		GROUP BY COALESCE(s.store_id, rs.store_id, 0), l.expires_at
	) x LEFT JOIN stores st ON st.id = x.store_id
	ORDER BY x.store_id, x.expires_at`

func (s *Sales) LiabilityLots(ctx context.Context, at time.Time) ([]sales.LotSum, error) {
	return queryAll(ctx, s.db, func(sc scanner) (sales.LotSum, error) {
		var x sales.LotSum
		var exp sql.NullInt64
		err := sc.Scan(&x.StoreID, &x.Code, &x.Name, &x.Zone, &exp, &x.Points)
		if exp.Valid {
			x.ExpiresAt = FromMillis(exp.Int64)
		}
		return x, err
	}, liabilityLots, Millis(at))
}
