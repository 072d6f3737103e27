/**
 * A tab list as WAI-ARIA's tabs pattern has it (automatic activation): one tab stop, the arrow keys,
 * Home and End move between tabs and select the one they reach.
 */
interface Props<Name extends string> {
  tabs: readonly { name: Name; label: string }[];
  selected: Name;
  onSelect: (name: Name) => void;
}

export function Tabs<Name extends string>({ tabs, selected, onSelect }: Props<Name>) {
  function onKeyDown(event: KeyboardEvent) {
    const index = tabs.findIndex((tab) => tab.name === selected);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    onSelect(tab.name);
    document.getElementById(`tab-${tab.name}`)?.focus();
  }

  return (
    <div role="tablist" class="tabs" onKeyDown={onKeyDown}>
      {tabs.map(({ name, label }) => (
        <button
          type="button"
          role="tab"
          key={name}
          id={`tab-${name}`}
          aria-controls={`panel-${name}`}
          aria-selected={name === selected}
          tabIndex={name === selected ? 0 : -1}
          onClick={() => onSelect(name)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
