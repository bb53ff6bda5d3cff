// The browser module of "lanterns", the test game of tests/framework.rs: served from the game's
// own folder at /games/lanterns/index.js. It draws nothing; the test only fetches it.
export default { name: 'lanterns', title: 'Lanterns', createClient: () => ({}) };
