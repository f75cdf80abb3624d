package server

// EncodeForBenchmark encodes a tool output as the server does.
func EncodeForBenchmark(v any) []byte {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
