import { CfnResource, Fn, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { LAKE_VIEWS, LakeView } from '../views';

/** Athena's name of the Glue Data Catalog, as stored in a view definition. */
export const ATHENA_CATALOG = 'awsdatacatalog';

/** Properties of {@link AthenaViews}. */
export interface AthenaViewsProps {
  /** The Glue database holding `ticket_events`; the views are created beside it. */
  readonly database: glue.IDatabase;
  /** Resources the first view reads (the `ticket_events` table): created before any view. */
  readonly dependsOn: readonly CfnResource[];
  /**
   * The views, in creation order.
   * @default LAKE_VIEWS from lib/views.ts
   */
  readonly views?: readonly LakeView[];
}

/**
 * The lake's views (lib/views.ts: `ticket_history`, `tickets_latest`) as Athena views, so the saved
 * queries work right after `cdk deploy` with no DDL run by hand.
 *
 * An Athena view is a Glue table of type VIRTUAL_VIEW whose `ViewOriginalText` is
 * `/* Presto View: <base64 of JSON {originalSql, catalog, schema, columns}> *\/`, with Trino types
 * in the JSON and Hive types in the storage descriptor. The schema is the database name, which is
 * a deploy-time token, so the base64 is computed by CloudFormation (`Fn::Base64`).
 *
 * @see https://docs.aws.amazon.com/athena/latest/ug/views.html
 */
export class AthenaViews extends Construct {
  /** The view resources by view name. */
  readonly views: ReadonlyMap<string, glue.CfnTable>;

  constructor(scope: Construct, id: string, props: AthenaViewsProps) {
    super(scope, id);
    const views = new Map<string, glue.CfnTable>();
    let previous: readonly CfnResource[] = props.dependsOn;
    for (const view of props.views ?? LAKE_VIEWS) {
      const cfnView = new glue.CfnTable(this, view.name, {
        catalogId: Stack.of(this).account,
        databaseName: props.database.databaseName,
        tableInput: {
          name: view.name,
          description: view.description,
          tableType: 'VIRTUAL_VIEW',
          parameters: { presto_view: 'true', comment: 'Presto View' },
          partitionKeys: [],
          storageDescriptor: {
            columns: view.columns.map((c) => ({ name: c.name, type: c.type.hive, comment: c.comment })),
            serdeInfo: {},
          },
          viewOriginalText: prestoViewOriginalText(view, props.database.databaseName),
          viewExpandedText: '/* Presto View */',
        },
      });
      // Each view reads the table or the view before it; Athena checks neither at creation, but a
      // deletion in the wrong order would leave a view pointing at nothing.
      for (const dependency of previous) cfnView.node.addDependency(dependency);
      previous = [cfnView];
      views.set(view.name, cfnView);
    }
    this.views = views;
  }
}

/** The JSON Athena stores (base64) in a view's original text. */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: string;
  readonly schema: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/**
 * `/* Presto View: <base64(JSON)> *\/` for a view in `databaseName`. The database name may be an
 * unresolved token: the JSON is split around it and CloudFormation joins and encodes it.
 */
export function prestoViewOriginalText(view: LakeView, databaseName: string): string {
  const placeholder = '\u0000schema\u0000';
  const definition: PrestoViewDefinition = {
    originalSql: view.sql,
    catalog: ATHENA_CATALOG,
    schema: placeholder,
    columns: view.columns.map((c) => ({ name: c.name, type: c.type.trino })),
  };
  const [before, after] = JSON.stringify(definition).split(JSON.stringify(placeholder));
  if (!Token.isUnresolved(databaseName) && !/^[a-z0-9_]+$/.test(databaseName)) {
    // Athena database names are lower-case letters, digits and _, so no JSON escaping is needed.
    throw new Error(`Glue database name "${databaseName}" cannot hold Athena views: use lower-case letters, digits and _ only.`);
  }
  const json = Fn.join('', [`${before}"`, databaseName, `"${after}`]);
  return Fn.join('', ['/* Presto View: ', Fn.base64(json), ' */']);
}
