/**
 * The Lambda functions of freshlake's constructs: `handler` exported by lambda/<name>/index.ts,
 * bundled alone by esbuild, the same way whether the construct runs from this repository or from
 * the installed npm package.
 *
 * - From the TypeScript sources (tests, `cdk synth` in this repository): a NodejsFunction that the
 *   local esbuild bundles at synth time (never Docker).
 * - From the compiled package (an app that installed freshlake): the bundle `npm run build` made
 *   in dist/lambda-bundles/<name>/index.js (scripts/build.js, same options), as Code.fromAsset. The
 *   consumer's app needs neither esbuild nor Docker, nor the handlers' TypeScript.
 *
 * A new handler: add lambda/<name>/index.ts exporting `handler`, create it with
 * bundledFunction(this, 'Function', '<name>', props); the build bundles every lambda/<name>/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { PACKAGE_ROOT, RUNNING_COMPILED } from '../package-root';

/**
 * esbuild options of every handler bundle (scripts/build.js uses the same values): minified, no
 * source map, the AWS SDK left to the runtime (every Node.js runtime has SDK v3), syntax for
 * Node.js 20 and later.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  sourceMap: false,
  externalModules: ['@aws-sdk/*'],
  target: 'node20',
} as const;

/** Properties of a bundled handler function: a FunctionProps without code and handler. */
export type BundledFunctionProps = Omit<lambda.FunctionProps, 'code' | 'handler'>;

/** The TypeScript entry of a handler: lambda/<name>/index.ts in the repository. */
export function handlerEntry(name: string): string {
  return join(PACKAGE_ROOT, 'lambda', name, 'index.ts');
}

/** Where the build puts the prebuilt bundle of a handler: dist/lambda-bundles/<name>/. */
export function prebuiltBundleDir(name: string): string {
  return join(PACKAGE_ROOT, 'dist', 'lambda-bundles', name);
}

/**
 * A Lambda function running `handler` from lambda/<name>/index.ts (see the module comment for
 * where its code comes from).
 * @throws Error when running compiled and the prebuilt bundle is missing (the package was not built)
 */
export function bundledFunction(scope: Construct, id: string, name: string, props: BundledFunctionProps): lambda.Function {
  if (!RUNNING_COMPILED) {
    return new nodejs.NodejsFunction(scope, id, {
      ...props,
      entry: handlerEntry(name),
      handler: 'handler',
      bundling: { forceDockerBundling: false, ...LAMBDA_BUNDLING, externalModules: [...LAMBDA_BUNDLING.externalModules] },
    });
  }
  const dir = prebuiltBundleDir(name);
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(`The prebuilt bundle of the ${name} Lambda is missing (${dir}): this copy of freshlake was not built; run "npm run build" in it, or reinstall the package.`);
  }
  return new lambda.Function(scope, id, { ...props, code: lambda.Code.fromAsset(dir), handler: 'index.handler' });
}
