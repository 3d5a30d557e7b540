import type { OpenApiDocument } from "../http/openapi";
import { Page } from "./layout";

type Json = Record<string, unknown>;
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

const asJson = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});
const anchor = (id: string) => id.replace(/[^\w-]/g, "-");

/** A schema as indented JSON, `$ref`s named after their component (listed at the end of the page). */
function Schema(props: { schema: unknown }) {
  const text = JSON.stringify(props.schema, null, 2).replace(/"#\/components\/schemas\/([^"]+)"/g, '"$1"');
  return <pre>{text}</pre>;
}

function Parameters(props: { parameters: unknown; operationId: string }) {
  const parameters = Array.isArray(props.parameters) ? props.parameters.map(asJson) : [];
  if (parameters.length === 0) return null;
  return (
    // Scrolls sideways on a phone: focusable and named, so a keyboard can scroll it (axe-core).
    <section class="table" tabindex={0} aria-label={`Parameters of ${props.operationId}`}>
      <table>
        <caption>Parameters</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">In</th>
            <th scope="col">Type</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {parameters.map((p) => {
            const schema = asJson(p.schema);
            return (
              <tr>
                <td>
                  <code>{String(p.name)}</code>
                  {p.required ? " (required)" : ""}
                </td>
                <td>{String(p.in)}</td>
                <td>{String(schema.type ?? (schema.enum ? "enum" : "any"))}</td>
                <td>{String(p.description ?? schema.description ?? (schema.enum ? asJsonList(schema.enum) : ""))}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

const asJsonList = (values: unknown) => (Array.isArray(values) ? values.join(", ") : "");

function Content(props: { content: unknown }) {
  return (
    <>
      {Object.entries(asJson(props.content)).map(([type, media]) => (
        <>
          <p>
            <code>{type}</code>
          </p>
          {asJson(media).schema ? <Schema schema={asJson(media).schema} /> : null}
        </>
      ))}
    </>
  );
}

function Operation(props: { method: string; path: string; operation: Json }) {
  const { method, path, operation } = props;
  const id = String(operation.operationId);
  const body = asJson(operation.requestBody);
  return (
    <section id={anchor(id)}>
      <h3>
        <code>
          {method.toUpperCase()} {path}
        </code>
      </h3>
      <p>
        {String(operation.summary ?? "")} <span class="muted">({id})</span>
      </p>
      <Parameters parameters={operation.parameters} operationId={id} />
      {body.content ? (
        <>
          <h4>Request body</h4>
          <Content content={body.content} />
        </>
      ) : null}
      <h4>Responses</h4>
      <dl class="job">
        {Object.entries(asJson(operation.responses)).map(([status, response]) => (
          <>
            <dt>{status}</dt>
            <dd>
              {String(asJson(response).description ?? "")}
              <Content content={asJson(response).content} />
            </dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/**
 * The OpenAPI document as one server-rendered page: operations by tag, each with its parameters,
 * request body and answers, then the shared schemas. No script and no external asset, so it reads
 * offline and under the pages' Content-Security-Policy.
 */
export function ApiReference(props: { document: OpenApiDocument }) {
  const { document } = props;
  const operations = Object.entries(asJson(document.paths)).flatMap(([path, item]) =>
    METHODS.filter((method) => asJson(item)[method]).map((method) => ({
      method,
      path,
      operation: asJson(asJson(item)[method]),
    })),
  );
  const tags = [...new Set(operations.map(({ operation }) => String(asJson(operation.tags)[0] ?? "Other")))];
  const schemas = Object.entries(asJson(document.components?.schemas));
  return (
    <Page title={`${document.info.title} API reference`}>
      <h1>{document.info.title} API reference</h1>
      <p>{document.info.description}</p>
      <p>
        The same as OpenAPI 3.1: <a href="/api/v4/openapi.json">/api/v4/openapi.json</a>.
      </p>
      <nav aria-label="Operations">
        <ul>
          {operations.map(({ method, path, operation }) => (
            <li>
              <a href={`#${anchor(String(operation.operationId))}`}>
                {method.toUpperCase()} {path}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {tags.map((tag) => (
        <section>
          <h2>{tag}</h2>
          {operations
            .filter(({ operation }) => String(asJson(operation.tags)[0] ?? "Other") === tag)
            .map((entry) => (
              <Operation {...entry} />
            ))}
        </section>
      ))}
      <h2>Schemas</h2>
      {schemas.map(([name, schema]) => (
        <section id={anchor(`schema-${name}`)}>
          <h3>{name}</h3>
          <Schema schema={schema} />
        </section>
      ))}
    </Page>
  );
}
