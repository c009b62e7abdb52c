package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// WriteMessage writes one of API Gateway's own answers: the given status,
// content-type application/json, and the body {"message":msg}, such as
// {"message":"Not Found"}. Headers already set on w, such as
// apigw-requestid or www-authenticate, are kept.
//
// The bodies API Gateway is documented or widely observed to send are
// these, with the message http.StatusText gives (so WriteStatus writes
// them): 400 Bad Request, 401 Unauthorized, 403 Forbidden, 404 Not Found,
// 413 Request Entity Too Large, 429 Too Many Requests, 500 Internal Server
// Error and 503 Service Unavailable.
func WriteMessage(w http.ResponseWriter, status int, msg string) {
	// Marshalling a struct of one string cannot fail.
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(body)
}

// WriteStatus writes API Gateway's answer for status with its standard
// message, as WriteMessage(w, status, http.StatusText(status)):
// WriteStatus(w, 404) writes {"message":"Not Found"}.
func WriteStatus(w http.ResponseWriter, status int) {
	WriteMessage(w, status, http.StatusText(status))
}
