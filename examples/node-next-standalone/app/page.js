import Counter from './counter';

export default function Page() {
  return (
    <main>
      <h1>today on the menu board</h1>
      <p className="dish">soup of the day</p>
      <img src="/plate.svg" alt="" width="24" height="24" />
      <Counter />
    </main>
  );
}
