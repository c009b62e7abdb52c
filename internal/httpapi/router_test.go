package httpapi_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

func TestNewRouterRejectsInvalidKeys(t *testing.T) {
	tests := []struct {
		name string
		keys []string
	}{
		{"no space", []string{"GET/items"}},
		{"lower-case method", []string{"get /items"}},
		{"unknown method", []string{"FETCH /items"}},
		{"two spaces", []string{"GET  /items"}},
		{"relative path", []string{"GET items"}},
		{"empty path", []string{"GET "}},
		{"trailing slash", []string{"GET /items/"}},
		{"double slash", []string{"GET /items//x"}},
		{"partial variable", []string{"GET /files/{name}.txt"}},
		{"unclosed variable", []string{"GET /files/{name"}},
		{"empty variable", []string{"GET /files/{}"}},
		{"empty greedy", []string{"GET /files/{+}"}},
		{"greedy not last", []string{"ANY /{proxy+}/x"}},
		{"variable used twice", []string{"GET /a/{id}/b/{id}"}},
		{"space in literal", []string{"GET /a b"}},
		{"query in path", []string{"GET /a?b=1"}},
		{"percent in literal", []string{"GET /a%20b"}},
		{"websocket key", []string{"$connect"}},
		{"repeated key", []string{"GET /a", "GET /a"}},
		{"repeated default", []string{"$default", "$default"}},
		{"same shape", []string{"GET /items/{id}", "GET /items/{name}"}},
		{"same greedy shape", []string{"ANY /f/{proxy+}", "ANY /f/{rest+}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpapi.NewRouter(tt.keys)
			if !errors.Is(err, httpapi.ErrInvalidRouteKey) {
				t.Fatalf("NewRouter(%q) err = %v, want ErrInvalidRouteKey", tt.keys, err)
			}
		})
	}
}

func TestNewRouterAcceptsValidKeys(t *testing.T) {
	keys := []string{
		"$default", "GET /", "ANY /", "POST /items", "GET /items/{id}",
		"PUT /items/{id}", "ANY /files/{proxy+}", "GET /v1.2/users/{user_id}/a-b~c",
		"HEAD /x", "OPTIONS /x", "PATCH /x", "DELETE /x",
		"GET /items/{id}/{proxy+}", "GET /{proxy+}",
	}
	if _, err := httpapi.NewRouter(keys); err != nil {
		t.Fatal(err)
	}
}

// TestRouterPrecedence checks which route wins. The first block is the
// developer guide's own example (http-api-develop-routes, "Routing API
// requests"); the rest are the rules Router.Match documents.
func TestRouterPrecedence(t *testing.T) {
	type want struct {
		key    string
		params map[string]string
	}
	tests := []struct {
		name   string
		routes []string
		method string
		path   string
		want   *want // nil: no route, 404
	}{
		// The guide's example API.
		{"guide static", guideRoutes, "GET", "/pets/dog/1", &want{"GET /pets/dog/1", nil}},
		{"guide variable", guideRoutes, "GET", "/pets/dog/2",
			&want{"GET /pets/dog/{id}", map[string]string{"id": "2"}}},
		{"guide greedy", guideRoutes, "GET", "/pets/cat/1",
			&want{"GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}}},
		{"guide any", guideRoutes, "POST", "/test/5",
			&want{"ANY /{proxy+}", map[string]string{"proxy": "test/5"}}},

		// $default only when nothing else matches, and 404 without it.
		{"default catches rest", []string{"GET /a", "$default"}, "GET", "/b",
			&want{"$default", nil}},
		{"greedy beats default", []string{"ANY /{proxy+}", "$default"}, "GET", "/b",
			&want{"ANY /{proxy+}", map[string]string{"proxy": "b"}}},
		{"no default, no match", []string{"GET /a"}, "GET", "/b", nil},
		{"no routes", nil, "GET", "/", nil},

		// Methods.
		{"method beats any", []string{"ANY /a", "GET /a"}, "GET", "/a", &want{"GET /a", nil}},
		{"any takes other methods", []string{"ANY /a", "GET /a"}, "PATCH", "/a",
			&want{"ANY /a", nil}},
		{"get does not answer head", []string{"GET /a"}, "HEAD", "/a", nil},
		{"methods are case-sensitive", []string{"GET /a"}, "get", "/a", nil},
		{"path beats method", []string{"GET /pets/{id}", "ANY /pets/dog"}, "GET", "/pets/dog",
			&want{"ANY /pets/dog", nil}},
		{"full match beats greedy method", []string{"GET /a/{proxy+}", "ANY /a/b"}, "GET",
			"/a/b", &want{"ANY /a/b", nil}},

		// Specificity, left to right.
		{"literal beats variable", []string{"GET /a/{x}", "GET /a/b"}, "GET", "/a/b",
			&want{"GET /a/b", nil}},
		{"earlier literal wins", []string{"GET /{a}/b", "GET /a/{b}"}, "GET", "/a/b",
			&want{"GET /a/{b}", map[string]string{"b": "b"}}},
		{"variable beats greedy", []string{"GET /a/{proxy+}", "GET /a/{id}"}, "GET", "/a/1",
			&want{"GET /a/{id}", map[string]string{"id": "1"}}},
		{"non-greedy beats greedy", []string{"GET /{a}/{b}", "GET /x/{proxy+}"}, "GET",
			"/x/y", &want{"GET /{a}/{b}", map[string]string{"a": "x", "b": "y"}}},
		{"longer greedy prefix wins", []string{"ANY /a/{proxy+}", "ANY /a/b/{proxy+}"}, "GET",
			"/a/b/c", &want{"ANY /a/b/{proxy+}", map[string]string{"proxy": "c"}}},
		{"shorter greedy for other paths", []string{"ANY /a/{proxy+}", "ANY /a/b/{proxy+}"},
			"GET", "/a/c/d", &want{"ANY /a/{proxy+}", map[string]string{"proxy": "c/d"}}},
		{"variables and greedy together", []string{"GET /u/{id}/{rest+}"}, "GET",
			"/u/7/x/y", &want{"GET /u/{id}/{rest+}",
				map[string]string{"id": "7", "rest": "x/y"}}},

		// Edges of paths.
		{"root", []string{"GET /", "GET /{proxy+}"}, "GET", "/", &want{"GET /", nil}},
		{"greedy takes root", []string{"GET /{proxy+}"}, "GET", "/",
			&want{"GET /{proxy+}", map[string]string{"proxy": ""}}},
		{"greedy needs its slash", []string{"ANY /files/{proxy+}"}, "GET", "/files", nil},
		{"greedy takes empty rest", []string{"ANY /files/{proxy+}"}, "GET", "/files/",
			&want{"ANY /files/{proxy+}", map[string]string{"proxy": ""}}},
		{"trailing slash is significant", []string{"GET /items"}, "GET", "/items/", nil},
		{"variable needs a value", []string{"GET /items/{id}"}, "GET", "/items/", nil},
		{"variable is one segment", []string{"GET /items/{id}"}, "GET", "/items/a/b", nil},
		{"literals are case-sensitive", []string{"GET /Items"}, "GET", "/items", nil},
		{"decoded values", []string{"GET /q/{name}"}, "GET", "/q/a b#λ",
			&want{"GET /q/{name}", map[string]string{"name": "a b#λ"}}},
		{"path without slash", []string{"GET /{proxy+}"}, "OPTIONS", "*", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			router, err := httpapi.NewRouter(tt.routes)
			if err != nil {
				t.Fatal(err)
			}
			m, ok := router.Match(tt.method, tt.path)
			if tt.want == nil {
				if ok {
					t.Fatalf("Match(%s %q) = %+v, want no match", tt.method, tt.path, m)
				}
				return
			}
			if !ok {
				t.Fatalf("Match(%s %q): no match, want %q", tt.method, tt.path, tt.want.key)
			}
			want := httpapi.Match{RouteKey: tt.want.key, PathParameters: tt.want.params}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("Match(%s %q) mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

// TestRouterOrderIndependent checks that the winner does not depend on the
// order route keys are given in.
func TestRouterOrderIndependent(t *testing.T) {
	keys := []string{
		"ANY /{proxy+}", "GET /pets/{proxy+}", "GET /pets/dog/{id}", "ANY /pets/dog/{id}",
		"GET /pets/dog/1", "$default",
	}
	paths := []string{"/pets/dog/1", "/pets/dog/2", "/pets/cat", "/x"}
	var first []string
	for rot := range keys {
		rotated := append(append([]string(nil), keys[rot:]...), keys[:rot]...)
		router, err := httpapi.NewRouter(rotated)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range paths {
			m, _ := router.Match("GET", p)
			got = append(got, m.RouteKey)
		}
		if rot == 0 {
			first = got
			continue
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("rotation %d changed the winners (-first +got):\n%s", rot, diff)
		}
	}
	want := []string{"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}",
		"ANY /{proxy+}"}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("winners mismatch (-want +got):\n%s", diff)
	}
}

var guideRoutes = []string{
	"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default",
}

func ExampleRouter_Match() {
	router, err := httpapi.NewRouter([]string{"GET /items/{id}", "ANY /files/{proxy+}"})
	if err != nil {
		panic(err)
	}

	m, ok := router.Match("GET", "/items/42")
	fmt.Println(m.RouteKey, m.PathParameters, ok)

	m, ok = router.Match("PUT", "/files/a/b.txt")
	fmt.Println(m.RouteKey, m.PathParameters, ok)

	_, ok = router.Match("POST", "/items/42")
	fmt.Println(ok)
	// Output:
	// GET /items/{id} map[id:42] true
	// ANY /files/{proxy+} map[proxy:a/b.txt] true
	// false
}
