package server

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// maxExactID is the largest integer id accepted: ids travel through the
// SDK as float64, which holds integers exactly up to 2^53.
const maxExactID = 1 << 53

// rpcError is a JSON-RPC error answer to a message that could not be
// passed on.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	// id is the request's id as sent, when the message was a request with
	// a valid id; nil means null.
	id json.RawMessage
}

// encode returns the error response, one line of JSON without newline.
func (e *rpcError) encode() []byte {
	id := e.id
	if id == nil {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   *rpcError       `json:"error"`
	}{"2.0", id, e})
	return b
}

// invalidRequest returns a -32600 error with id (nil for null).
func invalidRequest(id json.RawMessage, msg string) *rpcError {
	return &rpcError{Code: jsonrpc.CodeInvalidRequest, Message: "Invalid Request: " + msg, id: id}
}

// parseMessage decodes one line as a single JSON-RPC 2.0 request,
// notification or response. It returns nil, nil for a blank line, and an
// error answer for anything else that is not one valid message: -32700
// when the line is not JSON, -32600 when it is JSON but not a message
// (an array, which would be a batch; a "jsonrpc" other than "2.0"; an id
// that is not a string or an integer within ±2^53; a method that is not a
// non-empty string; params that are not an object or an array; a response
// without an id or with neither or both of result and error). The error carries
// the request's id when the line was a request with a valid id, null
// otherwise. Keys are matched exactly; unknown keys are ignored.
func parseMessage(line []byte) (jsonrpc.Message, *rpcError) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, nil
	}
	if !json.Valid(line) {
		return nil, &rpcError{Code: jsonrpc.CodeParseError, Message: "Parse error: not valid JSON"}
	}
	switch line[0] {
	case '[':
		return nil, invalidRequest(nil, "batches are not supported; send one message per line")
	case '{':
	default:
		return nil, invalidRequest(nil, "a message must be a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return nil, &rpcError{Code: jsonrpc.CodeParseError, Message: "Parse error: not valid JSON"}
	}
	rawID, hasID := fields["id"]
	id, idErr := parseID(rawID)
	if _, isRequest := fields["method"]; isRequest {
		return parseRequest(fields, id, hasID, idErr)
	}
	return parseResponse(fields, id, hasID, idErr)
}

// parseRequest builds a request or notification from its fields.
func parseRequest(fields map[string]json.RawMessage, id jsonrpc.ID, hasID bool, idErr *rpcError) (jsonrpc.Message, *rpcError) {
	if idErr != nil {
		return nil, idErr
	}
	var echo json.RawMessage
	if hasID {
		echo = compactJSON(fields["id"])
	}
	if err := checkVersion(fields, echo); err != nil {
		return nil, err
	}
	var method string
	if raw := fields["method"]; raw[0] != '"' || json.Unmarshal(raw, &method) != nil || method == "" {
		return nil, invalidRequest(echo, `"method" must be a non-empty string`)
	}
	params, err := checkParams(fields["params"], echo)
	if err != nil {
		return nil, err
	}
	return &jsonrpc.Request{ID: id, Method: method, Params: params}, nil
}

// parseResponse builds a response (to a request of the server) from its
// fields.
func parseResponse(fields map[string]json.RawMessage, id jsonrpc.ID, hasID bool, idErr *rpcError) (jsonrpc.Message, *rpcError) {
	if err := checkVersion(fields, nil); err != nil {
		return nil, err
	}
	if idErr != nil || !hasID {
		return nil, invalidRequest(nil, `a message needs a "method" (request) or an "id" with "result" or "error" (response)`)
	}
	result, hasResult := fields["result"]
	rawErr, hasErr := fields["error"]
	if hasResult == hasErr {
		return nil, invalidRequest(nil, `a response needs exactly one of "result" and "error"`)
	}
	if hasResult {
		return &jsonrpc.Response{ID: id, Result: result}, nil
	}
	var wire struct {
		Code    *int64          `json:"code"`
		Message *string         `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(rawErr, &wire) != nil || wire.Code == nil || wire.Message == nil {
		return nil, invalidRequest(nil, `"error" must be an object with an integer "code" and a string "message"`)
	}
	return &jsonrpc.Response{ID: id, Error: &jsonrpc.Error{Code: *wire.Code, Message: *wire.Message, Data: wire.Data}}, nil
}

// parseID decodes an id: absent (the zero ID, a notification), a string,
// or an integer within ±2^53. Anything else, null included, is an error
// with a null id.
func parseID(raw json.RawMessage) (jsonrpc.ID, *rpcError) {
	if raw == nil {
		return jsonrpc.ID{}, nil
	}
	bad := invalidRequest(nil, `"id" must be a string or an integer`)
	var v any
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return jsonrpc.ID{}, bad
		}
		v = s
	default:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n > maxExactID || n < -maxExactID {
			return jsonrpc.ID{}, bad
		}
		v = float64(n)
	}
	id, err := jsonrpc.MakeID(v)
	if err != nil {
		return jsonrpc.ID{}, bad
	}
	return id, nil
}

// checkVersion requires "jsonrpc": "2.0".
func checkVersion(fields map[string]json.RawMessage, echo json.RawMessage) *rpcError {
	var v string
	if json.Unmarshal(fields["jsonrpc"], &v) != nil || v != "2.0" {
		return invalidRequest(echo, `"jsonrpc" must be "2.0"`)
	}
	return nil
}

// checkParams accepts absent or null params (returned as nil), an object
// or an array.
func checkParams(raw json.RawMessage, echo json.RawMessage) (json.RawMessage, *rpcError) {
	switch {
	case raw == nil || string(raw) == "null":
		return nil, nil
	case raw[0] == '{' || raw[0] == '[':
		return raw, nil
	}
	return nil, invalidRequest(echo, `"params" must be an object or an array`)
}

// compactJSON returns raw without insignificant whitespace.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}
