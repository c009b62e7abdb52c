// Package httpapi translates between plain HTTP and the Lambda payload
// format 2.0 the way an API Gateway HTTP API does, so that passage-local can
// answer on localhost exactly what the deployed API would answer.
//
// It holds the pieces a local gateway is built from, each usable on its own:
//
//   - [Router] picks the route for a request from the API's route keys.
//   - [RequestPath] and [NewEvent] turn an [*http.Request] into the
//     [events.APIGatewayV2HTTPRequest] a Lambda integration receives;
//     [MarshalEvent] writes it as API Gateway sends it.
//   - [ParseResponse] and [WriteResponse] turn what the function returned
//     into the HTTP response.
//   - [WriteMessage] and [WriteStatus] write API Gateway's own answers, such
//     as 404 {"message":"Not Found"}.
//   - [CORS] answers preflight requests and adds CORS headers as an API with
//     a CorsConfiguration does.
//   - [CheckRequestHead] and [ReadBody] enforce the request size quotas.
//
// A local gateway uses them in this order (error handling shortened):
//
//	w.Header().Set("Apigw-Requestid", requestID) // on every answer
//	path, err := httpapi.RequestPath(r)          // err: WriteStatus(w, 400)
//	err = httpapi.CheckRequestHead(r)            // err: WriteStatus(w, 413)
//	m, ok := router.Match(r.Method, path)
//	if !ok && cors != nil && cors.IsPreflight(r) {
//		cors.WritePreflight(w, r)                // 204
//		return
//	}
//	if !ok {
//		httpapi.WriteStatus(w, 404)
//		return
//	}
//	body, err := httpapi.ReadBody(r)             // err: WriteStatus(w, 413)
//	// ... the JWT authorizer runs here and gives the claims ...
//	ev, err := httpapi.NewEvent(r, body, m, input)
//	payload, err := httpapi.MarshalEvent(ev)
//	result := invoke(payload)                    // failure: WriteStatus(w, 500)
//	resp, err := httpapi.ParseResponse(result)   // err: WriteStatus(w, 500)
//	cors.Apply(resp.Header, r)
//	httpapi.WriteResponse(w, r, resp, requestID)
//
// Where this package follows API Gateway, each rule names its source: the
// API Gateway developer guide pages http-api-develop-routes,
// http-api-develop-integrations-lambda, http-api-cors and http-api-quotas,
// or published captures of live API Gateway traffic. Where no source
// settles a detail, the comment says so and gives the choice made.
package httpapi
