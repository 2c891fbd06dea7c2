'use strict';
// another service of the workspace; not part of the web image
const _ = require('lodash');
const { cartLine } = require('@shop/format');

console.log(_.capitalize(cartLine(1, 10)));
