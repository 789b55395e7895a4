/** The freshlake CLI entry point: parsing and commands live in lib/cli. */
import { main } from '../lib/cli/program';

main(process.argv).then((code) => {
  process.exitCode = code;
  // AWS SDK keep-alive sockets or a native engine handle must not keep a finished CLI alive;
  // unref'd, so a process that is already done exits at once without waiting for this.
  setTimeout(() => process.exit(code), 2000).unref();
});
