/** Named values as a definition list ("images_seen" reads "images seen"), or a hint when there are none. */
export function FactList({ facts }: { facts: Record<string, string> }) {
  const entries = Object.entries(facts);
  if (entries.length === 0) return <p class="hint">None published.</p>;
  return (
    <dl class="facts">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key.replaceAll("_", " ")}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
