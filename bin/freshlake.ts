/** The freshlake CLI entry point: parsing and commands live in lib/cli. */
import { main } from '../lib/cli/program';

// The AWS SDK warns on every run under Node 20 about its future Node 22 requirement: a multi-line
// notice meant for SDK upgraders that would bury the CLI's one-line messages. package.json says
// which Node versions freshlake supports; users can still opt in by setting the variable to false.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv).then((code) => {
  process.exitCode = code;
  // AWS SDK keep-alive sockets or a native engine handle must not keep a finished CLI alive;
  // unref'd, so a process that is already done exits at once without waiting for this.
  setTimeout(() => process.exit(code), 2000).unref();
});
