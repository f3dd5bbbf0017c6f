/** What `keyward` exits with, in one place: the commands, `--help` and docs/cli.md say the same. */

/** The command did what was asked. */
export const EXIT_OK = 0;
/** The command failed: bad input, an invalid config, a store or network error (one line on stderr says why). */
export const EXIT_FAILURE = 1;
/** The command line was not understood: unknown command or option, missing argument. */
export const EXIT_USAGE = 2;

/** The exit-code table appended to `keyward --help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed: bad input, invalid config, store or network error (one line on stderr says why)
  2  the command line was not understood (unknown command or option, missing argument)
`;
