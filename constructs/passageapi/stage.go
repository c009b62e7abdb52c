package passageapi

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscertificatemanager"
	"github.com/aws/jsii-runtime-go"
)

// newStage makes the $default stage, which deploys every change automatically, with the
// throttle and the access log of the props.
func (a *PassageProtectedApi) newStage() awsapigatewayv2.HttpStage {
	cfg := a.config
	props := &awsapigatewayv2.HttpStageProps{
		HttpApi:                a.httpAPI,
		StageName:              jsii.String("$default"),
		AutoDeploy:             jsii.Bool(true),
		DetailedMetricsEnabled: jsii.Bool(cfg.detailedMetrics),
	}
	if cfg.throttle != nil {
		props.Throttle = &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(cfg.throttle.RateLimit),
			BurstLimit: jsii.Number(cfg.throttle.BurstLimit),
		}
	}

	if cfg.accessLog != nil {
		logGroup := cfg.accessLog.LogGroup
		if logGroup == nil {
			logGroup = awslogs.NewLogGroup(a, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
				Retention: cfg.accessLog.Retention,
			})
		}
		// json.Marshal sorts the keys, so the format is the same on every synth.
		format, err := json.Marshal(cfg.accessLog.Format)
		if err != nil {
			panic(err) // A map of strings always marshals.
		}
		props.AccessLogSettings = &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logGroup),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(string(format))),
		}
	}
	return awsapigatewayv2.NewHttpStage(a, jsii.String("DefaultStage"), props)
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings, which the HTTP stage takes
// as an interface rather than a struct.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

// Destination returns where the stage writes its access log.
func (s *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination {
	return s.destination
}

// Format returns the access log line format.
func (s *accessLogSettings) Format() awsapigateway.AccessLogFormat {
	return s.format
}

// newDomain serves the stage on the custom domain: the certificate, the domain name, the
// mapping to the stage, and the alias record when the hosted zone is known.
func (a *PassageProtectedApi) newDomain(d DomainOptions) awsapigatewayv2.DomainName {
	var certificate interfacesawscertificatemanager.ICertificateRef
	if d.CertificateArn != "" {
		certificate = awscertificatemanager.Certificate_FromCertificateArn(
			a, jsii.String("Certificate"), jsii.String(d.CertificateArn))
	} else {
		certificate = awscertificatemanager.NewCertificate(a, jsii.String("Certificate"),
			&awscertificatemanager.CertificateProps{
				DomainName: jsii.String(d.Name),
				Validation: awscertificatemanager.CertificateValidation_FromDns(d.HostedZone),
			})
	}

	domainName := awsapigatewayv2.NewDomainName(a, jsii.String("DomainName"),
		&awsapigatewayv2.DomainNameProps{
			DomainName:     jsii.String(d.Name),
			Certificate:    certificate,
			SecurityPolicy: awsapigatewayv2.SecurityPolicy_TLS_1_2,
		})
	awsapigatewayv2.NewApiMapping(a, jsii.String("ApiMapping"), &awsapigatewayv2.ApiMappingProps{
		Api:        a.httpAPI,
		DomainName: domainName,
		Stage:      a.stage,
	})

	if d.HostedZone != nil {
		target := awsroute53targets.NewApiGatewayv2DomainProperties(
			domainName.RegionalDomainName(), domainName.RegionalHostedZoneId())
		awsroute53.NewARecord(a, jsii.String("AliasRecord"), &awsroute53.ARecordProps{
			Zone:       d.HostedZone,
			RecordName: jsii.String(d.Name),
			Target:     awsroute53.RecordTarget_FromAlias(target),
		})
	}
	return domainName
}
