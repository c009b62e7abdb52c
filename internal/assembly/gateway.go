package assembly

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const typeStage = "AWS::ApiGatewayV2::Stage"

// DefaultIntegrationTimeout is how long API Gateway waits for an HTTP API
// integration when the template sets no TimeoutInMillis: 30 seconds, also
// the most it allows.
const DefaultIntegrationTimeout = 30 * time.Second

// Stage is a stage of an HTTP API.
type Stage struct {
	// LogicalID is the stage's logical ID in the template.
	LogicalID string

	// Name is the stage name; "$default" for the stage served at the root
	// of the API's URL.
	Name string

	// AutoDeploy reports whether changes to the API deploy to the stage on
	// their own.
	AutoDeploy bool
}

// Stages returns the stages of api whose names are plain strings, sorted by
// name.
func (s *Stack) Stages(api *HTTPAPI) ([]Stage, error) {
	var stages []Stage
	for _, id := range s.Template.ofType(typeStage) {
		var props struct {
			ApiID      any  `json:"ApiId"`
			StageName  any  `json:"StageName"`
			AutoDeploy bool `json:"AutoDeploy"`
		}
		if err := s.Template.properties(id, &props); err != nil {
			return nil, err
		}
		name := literal(props.StageName)
		if ref(props.ApiID) != api.LogicalID || name == "" {
			continue
		}
		stages = append(stages, Stage{LogicalID: id, Name: name, AutoDeploy: props.AutoDeploy})
	}
	slices.SortFunc(stages, func(a, b Stage) int { return strings.Compare(a.Name, b.Name) })
	return stages, nil
}

// IntegrationTimeout returns how long API Gateway waits for the integration
// of route: the integration's TimeoutInMillis, or DefaultIntegrationTimeout
// when the template leaves it out (or the route has no integration).
func (s *Stack) IntegrationTimeout(route *Route) (time.Duration, error) {
	var routeProps struct {
		Target any `json:"Target"`
	}
	if err := s.Template.properties(route.LogicalID, &routeProps); err != nil {
		return 0, err
	}
	integrationID := integrationRef(routeProps.Target)
	if integrationID == "" {
		return DefaultIntegrationTimeout, nil
	}

	var props struct {
		TimeoutInMillis *int `json:"TimeoutInMillis"`
	}
	if err := s.Template.properties(integrationID, &props); err != nil {
		return 0, err
	}
	if props.TimeoutInMillis == nil {
		return DefaultIntegrationTimeout, nil
	}
	// API Gateway accepts 50 to 30,000 ms; a template outside that range
	// would not deploy.
	millis := *props.TimeoutInMillis
	if millis < 50 || millis > 30000 {
		return 0, fmt.Errorf("integration %s: TimeoutInMillis is %d: want 50 to 30000",
			integrationID, millis)
	}
	return time.Duration(millis) * time.Millisecond, nil
}

// AssetHash returns the hash CDK gave the function's code asset: the part
// after "asset." of its aws:asset:path metadata or, when the template was
// synthesized without asset metadata, the part before ".zip" of its S3Key.
// It returns "" when the code is not an asset.
func (s *Stack) AssetHash(f *Function) (string, error) {
	if hash, ok := strings.CutPrefix(f.AssetPath, "asset."); ok {
		return hash, nil
	}

	var props struct {
		Code struct {
			S3Key any `json:"S3Key"`
		} `json:"Code"`
	}
	if err := s.Template.properties(f.LogicalID, &props); err != nil {
		return "", err
	}
	if hash, ok := strings.CutSuffix(literal(props.Code.S3Key), ".zip"); ok {
		return hash, nil
	}
	return "", nil
}
