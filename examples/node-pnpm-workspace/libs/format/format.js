'use strict';
// a workspace library with a dependency of its own (bytes)
const bytes = require('bytes');

exports.cartLine = (items, size) => `cart of ${items} items, ${bytes(size)} (formatted by @shop/format)`;
