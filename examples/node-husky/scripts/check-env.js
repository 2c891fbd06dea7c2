// a developer-machine check the app runs after `npm install`; it needs the
// sources, which a dependency-first image build has not copied yet
require('../server-config.json');
