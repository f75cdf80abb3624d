package harness

import (
	"fmt"
	"time"
)

// Poll calls cond every millisecond until it reports true, returns an
// error, or d passes.
func Poll(d time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(d)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %v", what, d)
		}
		<-tick.C
	}
}
