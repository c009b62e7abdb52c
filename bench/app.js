// The plain-CDK counterpart of the Go apps that make bench times: the same stack, written with
// aws-cdk-lib from npm instead of the Go bindings and PassageProtectedApi. Its template must be
// the one the Go app writes (bench/synthbench checks that before it times anything), so any
// difference in time is the cost of Go, jsii and golambda, not of a different stack.
//
// Context (cdk synth -c key=value):
//   routes    "example" for the example app's GET /whoami and GET /health (the default), or a
//             number N for N protected routes GET /r01 ... /rNN.
//   handlers  with a number of routes: "each" for one function per route (the default), or
//             "shared" for one function behind every route.
//   assets    a JSON file mapping each function's construct path to its prebuilt code:
//             {"PassageExample/Api/Whoami": {"dir": "...", "hash": "...", "goPackage": "..."}}.
//             Plain CDK does not build Go: its users build the binaries beforehand, and the
//             benchmark hands it the very binaries (and asset hashes) the Go app made.
'use strict';

const fs = require('fs');
const cdk = require('aws-cdk-lib');
const apigw = require('aws-cdk-lib/aws-apigateway');
const apigwv2 = require('aws-cdk-lib/aws-apigatewayv2');
const authorizers = require('aws-cdk-lib/aws-apigatewayv2-authorizers');
const integrations = require('aws-cdk-lib/aws-apigatewayv2-integrations');
const iam = require('aws-cdk-lib/aws-iam');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const { Construct } = require('constructs');

// The access log line of PassageProtectedApi, with its keys sorted as Go's json.Marshal sorts
// them.
const accessLogFormat = {
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  responseLatency: '$context.responseLatency',
  responseLength: '$context.responseLength',
  routeKey: '$context.routeKey',
  sourceIp: '$context.identity.sourceIp',
  status: '$context.status',
  userAgent: '$context.identity.userAgent',
  userId: '$context.authorizer.claims.sub',
};

// goFunction is what golambda.NewGoFunction makes, with the binary already built: a log group,
// a role that may write to it only, and the function, tagged with its Go package.
function goFunction(scope, id, assets) {
  const path = scope.node.path + '/' + id;
  const asset = assets[path];
  if (!asset) {
    throw new Error(`no prebuilt code for ${path} in the assets file`);
  }
  const logGroup = new logs.LogGroup(scope, id + 'LogGroup', {
    retention: logs.RetentionDays.ONE_MONTH,
  });
  const role = new iam.Role(scope, id + 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of ' + id + ': writes its own logs only',
  });
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  const fn = new lambda.Function(scope, id, {
    runtime: lambda.Runtime.PROVIDED_AL2023,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(asset.dir, {
      assetHash: asset.hash,
      assetHashType: cdk.AssetHashType.CUSTOM,
    }),
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: cdk.Duration.seconds(10),
    logGroup,
    role,
  });
  fn.node.defaultChild.addMetadata('passage:go-package', asset.goPackage);
  return fn;
}

// ProtectedApi is PassageProtectedApi with its defaults, written out: an HTTP API whose JWT
// authorizer guards every route not declared public, a throttled $default stage with a JSON
// access log, and Lambda integrations with payload format 2.0.
class ProtectedApi extends Construct {
  constructor(scope, id, props) {
    super(scope, id);
    this.assets = props.assets;

    this.authorizer = new authorizers.HttpJwtAuthorizer(
      'Authorizer', 'https://auth.passage.id/v1/apps/' + props.appId, {
        authorizerName: 'JwtAuthorizer',
        jwtAudience: [props.authOrigin],
        identitySource: ['$request.header.Authorization'],
      });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: props.apiName,
      description: props.description,
      defaultAuthorizer: this.authorizer,
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      detailedMetricsEnabled: false,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(accessLogFormat)),
      },
    });
  }

  addRoute({ id, path, isPublic, handler }) {
    const fn = handler || goFunction(this, id, this.assets);
    const integration = new integrations.HttpLambdaIntegration(id + 'Integration', fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const [route] = this.httpApi.addRoutes({
      path,
      methods: [apigwv2.HttpMethod.GET],
      integration,
      authorizer: isPublic ? new apigwv2.HttpNoneAuthorizer() : this.authorizer,
    });
    if (isPublic) {
      const reason = `GET ${path} is declared Public in its PassageProtectedApi props: it must ` +
        'answer signed-out callers. Every other route of the API requires a valid JWT.';
      route.node.defaultChild.addMetadata('cdk_nag', {
        rules_to_suppress: [{ id: 'AwsSolutions-APIG4', reason }],
      });
    }
  }
}

// exampleStack is exampleapp.NewStack.
function exampleStack(app, assets) {
  const stack = new cdk.Stack(app, 'PassageExample', {
    description: 'Go API behind Passage sign-in (passage-cdk-go example)',
  });
  const api = new ProtectedApi(stack, 'Api', {
    appId: app.node.getContext('passageAppId'),
    authOrigin: app.node.getContext('passageAuthOrigin'),
    apiName: 'passage-example',
    description: 'Example API: GET /whoami needs a Passage token, GET /health does not',
    assets,
  });
  api.addRoute({ id: 'Whoami', path: '/whoami' });
  api.addRoute({ id: 'Health', path: '/health', isPublic: true });
  new cdk.CfnOutput(stack, 'ApiUrl', { description: 'Base URL of the API', value: api.stage.url });
}

// scaleStack is the stack of bench/scaleapp: count protected routes, each with its own function
// or all behind one.
function scaleStack(app, assets, count, handlers) {
  const stack = new cdk.Stack(app, 'PassageScale');
  // As in bench/scaleapp, the shared function comes first, so the constructs are in the same
  // order and the template's resources too.
  const shared = handlers === 'shared' ? goFunction(stack, 'Shared', assets) : undefined;
  const api = new ProtectedApi(stack, 'Api', {
    appId: app.node.getContext('passageAppId'),
    authOrigin: app.node.getContext('passageAuthOrigin'),
    apiName: 'passage-scale',
    assets,
  });
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(2, '0');
    api.addRoute({ id: 'R' + n, path: '/r' + n, handler: shared });
  }
}

const app = new cdk.App({ analyticsReporting: false });
const assets = JSON.parse(fs.readFileSync(app.node.getContext('assets'), 'utf8'));
const routes = app.node.tryGetContext('routes') || 'example';
if (routes === 'example') {
  exampleStack(app, assets);
} else {
  const handlers = app.node.tryGetContext('handlers') || 'each';
  if (!/^[0-9]+$/.test(String(routes)) || !['each', 'shared'].includes(handlers)) {
    throw new Error(`routes=${routes} handlers=${handlers}: want a number and each or shared`);
  }
  scaleStack(app, assets, Number(routes), handlers);
}
app.synth();
