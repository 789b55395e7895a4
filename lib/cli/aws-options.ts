/**
 * --region and --profile, turned into the configuration every AWS client of the CLI shares.
 * Without them the SDK's standard chain applies (AWS_REGION, AWS_PROFILE, ~/.aws/config, SSO,
 * instance and container roles).
 */
import { Command } from 'commander';
import type { fromIni } from '@aws-sdk/credential-providers';

export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

/** Configuration accepted by every AWS SDK v3 client constructor. */
export interface AwsClientConfig {
  region?: string;
  profile?: string;
  credentials?: ReturnType<typeof fromIni>;
}

export function addAwsOptions(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile\'s region)')
    .option('--profile <name>', 'named profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE or the standard chain)');
}

export function awsClientConfig(options: AwsOptions): AwsClientConfig {
  const config: AwsClientConfig = {};
  if (options.region) config.region = options.region;
  if (options.profile) {
    // `profile` makes the client read the region from that profile too; fromIni reads its
    // credentials (keys, role to assume, SSO), as the brief asks for named profiles.
    config.profile = options.profile;
    config.credentials = lazyFromIni(options.profile);
  }
  return config;
}

/**
 * fromIni({ profile }), loaded on the first credentials request: the credential providers pull in
 * most of the AWS SDK, which commands that never call AWS must not pay for at start-up.
 */
function lazyFromIni(profile: string): ReturnType<typeof fromIni> {
  let provider: ReturnType<typeof fromIni> | undefined;
  return async (properties) => {
    provider ??= (await import('@aws-sdk/credential-providers')).fromIni({ profile });
    return provider(properties);
  };
}
