package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// wycheproofFile is the JWS vector file, under the folder that holds the
// repository (CI checks shared/ out beside the clone).
const wycheproofFile = "shared/testdata/wycheproof/json_web_signature_test.json"

// knownDisagreements are the Wycheproof cases this verifier answers
// differently, each for a reason it holds to.
//
// Groups 10 and 14 publish the RFC 7520 key with "alg": "PS256" and expect
// the RFC's PS384 signature (figure 20) to verify with it. The verifier uses
// a key only with the alg it names (RFC 7517 section 4.4), the rule
// Wycheproof's own WrongPrimitive cases 332 to 340 require, so it refuses
// both.
var knownDisagreements = map[int]string{
	346: "key is published for PS256, token is signed with PS384",
	350: "key is published for PS256, token is signed with PS384",
}

type wycheproofFileData struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			JWS     string   `json:"jws"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// TestWycheproofJWS runs every JWS vector through the signature verifier: the
// same decoding, key selection and verification Authorize uses, up to but not
// including the claims, which these payloads are not.
//
// On groups whose key is an RSA signing key the verifier must agree with the
// expected result. Every case of the other groups (HMAC, EC, and RSA or EC
// keys marked for encryption) must be refused, whatever the vector expects.
func TestWycheproofJWS(t *testing.T) {
	data := readWycheproof(t)

	var run, agreed, rsaRun, rsaAgreed, otherRun, otherRefused, otherExpectedValid int
	for _, group := range data.TestGroups {
		// The group's key is served as the issuer's JWKS: its public key, or
		// for a symmetric key (which has no public part) the key itself.
		jwk := group.Public
		if len(jwk) == 0 || string(jwk) == "null" {
			jwk = group.Private
		}
		set, setErr := parseJWKS([]byte(`{"keys":[` + string(jwk) + `]}`))
		rsaGroup := setErr == nil

		for _, tc := range group.Tests {
			run++
			err := setErr
			if err == nil {
				err = verifyVector(tc.JWS, staticKeys(set))
			}
			accepted := err == nil

			if !rsaGroup {
				otherRun++
				otherExpectedValid += boolToInt(tc.Result == "valid")
				if accepted {
					t.Errorf("tcId %d (%s, %s): accepted a token for a key that is not an "+
						"RSA signing key", tc.TcID, group.Comment, tc.Comment)
					continue
				}
				otherRefused++
				agreed += boolToInt(tc.Result == "invalid")
				continue
			}

			rsaRun++
			want := tc.Result == "valid"
			if accepted == want {
				rsaAgreed++
				agreed++
				continue
			}
			reason, known := knownDisagreements[tc.TcID]
			if known && errors.Is(err, ErrAlgorithm) {
				t.Logf("tcId %d (%s): refused, as decided: %s", tc.TcID, tc.Comment, reason)
				continue
			}
			t.Errorf("tcId %d (%s, %s, flags %v): expected %s, verifier accepted=%v",
				tc.TcID, group.Comment, tc.Comment, tc.Flags, tc.Result, accepted)
		}
	}

	t.Logf("Wycheproof JWS: %d cases run, %d agree with the expected result", run, agreed)
	t.Logf("RSA signing-key groups: %d run, %d agreed; other groups: %d run, %d refused "+
		"(%d of them valid for their own key)", rsaRun, rsaAgreed, otherRun, otherRefused,
		otherExpectedValid)

	if run != data.NumberOfTests {
		t.Errorf("ran %d cases, expected the file's %d", run, data.NumberOfTests)
	}
	if rsaAgreed != rsaRun-len(knownDisagreements) {
		t.Errorf("RSA groups: %d of %d agreed, expected all but the %d known disagreements",
			rsaAgreed, rsaRun, len(knownDisagreements))
	}
	if want := run - len(knownDisagreements) - otherExpectedValid; agreed != want {
		t.Errorf("%d cases agreed, expected %d: all but the known disagreements and the "+
			"%d valid tokens of non-RSA keys", agreed, want, otherExpectedValid)
	}
	if otherRefused != otherRun {
		t.Errorf("other groups: %d of %d refused, expected all", otherRefused, otherRun)
	}
	if rsaRun == 0 || otherRun == 0 {
		t.Errorf("expected cases in both kinds of group, found %d RSA and %d other",
			rsaRun, otherRun)
	}
}

// verifyVector decodes and verifies one vector as Authorize would, stopping
// before the claims.
func verifyVector(token string, keys keySource) error {
	parsed, ref := parseJWS(token)
	if ref != nil {
		return ref
	}
	found, err := keys.keysFor(context.Background(), parsed.kid)
	if err != nil {
		return err
	}
	if ref := verifySignature(parsed, found); ref != nil {
		return ref
	}
	return nil
}

// readWycheproof finds the vector file by walking up from the package folder
// to the folder that holds shared/testdata, and fails if there is none.
func readWycheproof(t *testing.T) wycheproofFileData {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		path := filepath.Join(dir, filepath.FromSlash(wycheproofFile))
		content, err := os.ReadFile(path)
		if err == nil {
			var data wycheproofFileData
			if err := json.Unmarshal(content, &data); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return data
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("Wycheproof vectors not found: expected %s in a folder above the "+
				"package (CI puts shared/ beside the repository clone)", wycheproofFile)
		}
		dir = parent
	}
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
