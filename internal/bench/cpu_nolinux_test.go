//go:build !linux

package bench

import "time"

// postgresCPU is not measured here.
func postgresCPU() time.Duration { return 0 }
