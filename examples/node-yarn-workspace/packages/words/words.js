'use strict';
// a workspace package with its own dependency (pluralize)
const pluralize = require('pluralize');

exports.term = (word, n) => `${n} ${pluralize(word, n)} defined by @glossary/words`;
