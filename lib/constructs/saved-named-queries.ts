import * as athena from 'aws-cdk-lib/aws-athena';
import { Construct } from 'constructs';
import { DEFAULT_QUERIES_DIR, SavedQuery, loadSavedQueries, positionalSql } from '../saved-queries';

/** Athena NamedQuery limits. */
const MAX_NAME_LENGTH = 128;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_QUERY_LENGTH = 262_144;

/** Properties of {@link SavedNamedQueries}. */
export interface SavedNamedQueriesProps {
  /** Database the queries run in (they refer to `ticket_events` and the views unqualified). */
  readonly databaseName: string;
  /** Workgroup the queries are saved in (a reference to it, so they are created after it). */
  readonly workGroupName: string;
  /**
   * Directory of saved-query files (`*.sql` with `-- name:` / `-- description:` headers).
   * @default DEFAULT_QUERIES_DIR (queries/ of this checkout)
   */
  readonly queriesDirectory?: string;
}

/**
 * One Athena named query per file in `queries/`, so every saved query appears in the Athena
 * console under the lake's workgroup. The text is the positional form (`?` for each `:param`):
 * the console asks for the values as execution parameters.
 *
 * A changed file replaces its named query on deploy (every NamedQuery property is immutable).
 */
export class SavedNamedQueries extends Construct {
  readonly queries: readonly SavedQuery[];
  readonly namedQueries: readonly athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: SavedNamedQueriesProps) {
    super(scope, id);
    this.queries = loadSavedQueries(props.queriesDirectory ?? DEFAULT_QUERIES_DIR);
    this.namedQueries = this.queries.map((query) => {
      const queryString = positionalSql(query.sql).sql;
      checkLength(query, 'name', query.name, MAX_NAME_LENGTH);
      checkLength(query, 'description', query.description, MAX_DESCRIPTION_LENGTH);
      checkLength(query, 'SQL', queryString, MAX_QUERY_LENGTH);
      // The construct id is the query name: stable across deploys, unique (the catalog checks).
      return new athena.CfnNamedQuery(this, query.name, {
        name: query.name,
        description: query.description,
        queryString,
        database: props.databaseName,
        workGroup: props.workGroupName,
      });
    });
  }
}

function checkLength(query: SavedQuery, what: string, value: string, max: number): void {
  if (value.length > max) {
    throw new Error(`${query.file}: the ${what} is ${value.length} characters; an Athena named query allows at most ${max}.`);
  }
}
