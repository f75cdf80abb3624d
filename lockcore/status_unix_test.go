//go:build unix

package lockcore

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseProcLocks(t *testing.T) {
	const table = `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF
1: -> FLOCK  ADVISORY  WRITE 4243 08:01:1234 0 EOF
2: OFDLCK ADVISORY  WRITE -1 08:01:1234 1099511627776 1099511627776
3: FLOCK  ADVISORY  READ 17 08:01:1234 0 EOF
4: FLOCK  ADVISORY  READ 18 08:01:99 0 EOF
5: POSIX  ADVISORY  WRITE 19 08:01:1234 0 EOF
6: FLOCK  ADVISORY  READ x 08:01:1234 0 EOF
`
	got := parseProcLocks(strings.NewReader(table), devKey(8<<8|1, 1234))
	want := []flockHolder{{PID: 4242, Write: true}, {PID: 17}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("parseProcLocks mismatch (-want +got):\n%s", diff)
	}
}
