#!/usr/bin/env node
/**
 * CDK app: one freshlake stack per Freshdesk partner event source.
 *
 *   npx cdk deploy -c partnerEventSource=aws.partner/freshworks.com/<account-number>/freshdesk
 *   npx cdk deploy --all -c partnerEventSources=<a>,<b>
 *
 * Environment-agnostic (no account/region lookups), so `cdk synth` works offline without credentials.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addFreshlakeStacks } from '../lib/freshlake-stack';

const app = new App();
try {
  addFreshlakeStacks(app);
} catch (error) {
  // A usage mistake (no or malformed source name): one line, no stack trace.
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
