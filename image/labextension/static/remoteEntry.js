/*
 * DragoNN Workshop's JupyterLab 4 / Notebook 7 extension, written by hand (no bundler): a
 * module-federation container as JupyterLab's bootstrap loads it for a prebuilt extension.
 *
 * The page loads this file (package.json "jupyterlab._build.load"), then calls
 * window._JUPYTERLAB["dragonn-workshop-classroom"].init(shareScope) with the application's share
 * scope ({package: {version: {get, loaded, from, eager}}}), then .get("./extension"), whose
 * promise gives a factory of the module (its default export: the plugins). The plugins take
 * @jupyterlab/apputils, @jupyterlab/notebook and @jupyterlab/services from that share scope, so
 * their tokens and classes are the application's own.
 *
 * Plugins (server side: image/workshop_classroom/, the API in its handlers.py):
 * - stuck: the command "I'm stuck" (workshop:stuck; command palette, and the notebook toolbar
 *   through image/overrides.json) POSTs api/workshop/stuck with the notebook and its active
 *   cell, and says so in a notification; "workshop:unstuck" clears it;
 * - stuck-under-error: under a cell whose run raised, a line with an "I'm stuck" button;
 * - notices: polls api/workshop/notices and shows each new notice once as a notification
 *   (kind "access": the instructor is looking at the learner's notebook).
 */
var _JUPYTERLAB;
(function () {
  'use strict';

  var NAME = 'dragonn-workshop-classroom';
  var POLL_MS = 5000;
  var POLL_MAX_MS = 60000; // after failures (a server without the API)
  var FIRST_LOOK_MS = 30 * 60 * 1000; // a new browser shows notices this recent
  var SHORT = 130; // characters of a notice shown whole in a notification
  var shareScope = null;

  function versionKey(version) {
    return version.split(/[.+-]/).map(function (part) {
      var n = parseInt(part, 10);
      return isNaN(n) ? -1 : n;
    });
  }

  function newer(a, b) {
    var x = versionKey(a), y = versionKey(b);
    for (var i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) {
        return (x[i] || 0) > (y[i] || 0);
      }
    }
    return false;
  }

  /* The application's copy of a shared package: the version already loaded, else the newest. */
  function shared(pkg) {
    var versions = shareScope && shareScope[pkg];
    if (!versions || !Object.keys(versions).length) {
      return Promise.reject(new Error(NAME + ': ' + pkg + ' is not in the share scope'));
    }
    var chosen = null;
    Object.keys(versions).forEach(function (version) {
      if (chosen === null) {
        chosen = version;
      } else if (!!versions[version].loaded !== !!versions[chosen].loaded) {
        if (versions[version].loaded) {
          chosen = version;
        }
      } else if (newer(version, chosen)) {
        chosen = version;
      }
    });
    var entry = versions[chosen];
    return Promise.resolve(entry.get()).then(function (factory) {
      entry.loaded = 1;
      return factory();
    });
  }

  function addStyle() {
    if (document.getElementById(NAME + '-style')) {
      return;
    }
    var style = document.createElement('style');
    style.id = NAME + '-style';
    style.textContent =
      '.workshop-stuck-line { display: flex; align-items: center; gap: 8px;' +
      ' margin: 2px 0 6px 76px; font-size: var(--jp-ui-font-size1);' +
      ' color: var(--jp-ui-font-color2); }' +
      '.workshop-stuck-line button { cursor: pointer; border-radius: 3px;' +
      ' border: 1px solid var(--jp-brand-color1); background: var(--jp-layout-color1);' +
      ' color: var(--jp-brand-color1); padding: 1px 8px; font-size: var(--jp-ui-font-size1); }';
    document.head.appendChild(style);
  }

  function build(apputils, notebook, services) {
    var Notification = apputils.Notification;
    var ServerConnection = services.ServerConnection;

    function api(app, path, init) {
      var settings = app.serviceManager.serverSettings;
      var url = settings.baseUrl.replace(/\/?$/, '/') + 'api/workshop/' + path;
      return ServerConnection.makeRequest(url, init || {}, settings).then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch (err) {
            body = null;
          }
          if (!response.ok) {
            var why = (body && body.message) || response.status + ' ' + response.statusText;
            throw new Error(why);
          }
          return body;
        });
      });
    }

    /* The notebook panel a command acts on: the one at args.path, else the current one. */
    function panelFor(tracker, args) {
      if (!tracker) {
        return null;
      }
      if (args && args.path) {
        var found = tracker.find(function (panel) {
          return panel.context.path === args.path;
        });
        if (found) {
          return found;
        }
      }
      return tracker.currentWidget;
    }

    /* {notebook, cell_id, cell_index} of a cell (args.cellId) or of the active cell. */
    function cellOf(panel, args) {
      var content = panel.content;
      var index = content.activeCellIndex;
      if (args && args.cellId) {
        for (var i = 0; i < content.widgets.length; i++) {
          if (content.widgets[i].model.id === args.cellId) {
            index = i;
            break;
          }
        }
      }
      var cell = content.widgets[index];
      return {
        notebook: panel.context.path,
        cell_id: cell ? cell.model.id : null,
        cell_index: cell ? index + 1 : null
      };
    }

    var stuckPlugin = {
      id: NAME + ':stuck',
      description: "The \"I'm stuck\" command: tells the instructor's board where the learner is.",
      autoStart: true,
      requires: [],
      optional: [apputils.ICommandPalette, notebook.INotebookTracker],
      activate: function (app, palette, tracker) {
        app.commands.addCommand('workshop:stuck', {
          label: "I'm stuck",
          caption: 'Ask the instructor for help with the cell you are on',
          isEnabled: function () {
            return !!(tracker && tracker.currentWidget);
          },
          execute: function (args) {
            var panel = panelFor(tracker, args);
            if (!panel) {
              Notification.warning("Open a notebook first: \"I'm stuck\" tells the instructor which cell you are on.");
              return Promise.resolve(null);
            }
            var body = cellOf(panel, args);
            return api(app, 'stuck', { method: 'POST', body: JSON.stringify(body) }).then(
              function (record) {
                var where = 'cell ' + (record.cell_index || '?') +
                  (record.section ? ' (' + record.section + ')' : '');
                // a notification shows 140 characters: where first, the notebook is in view
                Notification.success(
                  'Help is on its way: the instructor sees you are stuck at ' + where + '.',
                  {
                    autoClose: 10000,
                    actions: [{
                      label: "I'm not stuck any more",
                      callback: function () {
                        app.commands.execute('workshop:unstuck');
                      }
                    }]
                  }
                );
                return record;
              },
              function (err) {
                Notification.error("Could not reach the instructor: " + err.message);
                return null;
              }
            );
          }
        });
        app.commands.addCommand('workshop:unstuck', {
          label: "I'm not stuck any more",
          caption: 'Take yourself out of the instructor\'s help queue',
          execute: function () {
            return api(app, 'stuck', { method: 'DELETE' }).then(
              function () {
                Notification.info('You are out of the help queue.', { autoClose: 5000 });
              },
              function (err) {
                Notification.error('Could not leave the help queue: ' + err.message);
              }
            );
          }
        });
        if (palette) {
          palette.addItem({ command: 'workshop:stuck', category: 'Workshop' });
          palette.addItem({ command: 'workshop:unstuck', category: 'Workshop' });
        }
      }
    };

    var errorPlugin = {
      id: NAME + ':stuck-under-error',
      description: "Under a cell that raised, an \"I'm stuck\" button.",
      autoStart: true,
      requires: [],
      optional: [notebook.INotebookTracker],
      activate: function (app, tracker) {
        if (!tracker) {
          return; // a page without notebooks (Notebook 7's file browser)
        }
        addStyle();
        var Actions = notebook.NotebookActions;
        function removeLine(cell) {
          var old = cell.node.querySelector('.workshop-stuck-line');
          if (old) {
            old.remove();
          }
        }
        Actions.executionScheduled.connect(function (_, args) {
          removeLine(args.cell);
        });
        Actions.executed.connect(function (_, args) {
          var cell = args.cell;
          if (args.success || !cell || cell.model.type !== 'code') {
            return;
          }
          var panel = tracker.find(function (p) {
            return p.content === args.notebook;
          });
          if (!panel) {
            return;
          }
          removeLine(cell);
          var line = document.createElement('div');
          line.className = 'workshop-stuck-line';
          var text = document.createElement('span');
          text.textContent = 'Stuck on this error?';
          var button = document.createElement('button');
          button.type = 'button';
          button.className = 'workshop-stuck-button';
          button.textContent = "I'm stuck";
          button.title = 'Ask the instructor for help with this cell';
          button.addEventListener('click', function () {
            app.commands.execute('workshop:stuck', { path: panel.context.path, cellId: cell.model.id });
          });
          line.appendChild(text);
          line.appendChild(button);
          cell.node.appendChild(line);
        });
      }
    };

    var noticesPlugin = {
      id: NAME + ':notices',
      description: "The instructor's notices (announcements, a look at the notebook, a pushed notebook) as notifications.",
      autoStart: true,
      requires: [],
      activate: function (app) {
        var settings = app.serviceManager.serverSettings;
        var seenKey = NAME + ':seen:' + settings.baseUrl;
        var seen = parseInt(window.localStorage.getItem(seenKey) || '', 10);
        var firstLook = isNaN(seen);
        var shown = []; // announcement notification ids ("clear" dismisses them)
        var delay = POLL_MS;

        function show(notice) {
          if (notice.kind === 'clear') {
            shown.forEach(function (id) {
              Notification.dismiss(id);
            });
            shown = [];
            return;
          }
          if (firstLook && Date.now() - Date.parse(notice.time) > FIRST_LOOK_MS) {
            return;
          }
          // a notification shows 140 characters: a longer notice can be read whole
          var actions = notice.text.length <= SHORT ? [] : [{
            label: 'Read all',
            callback: function () {
              apputils.showDialog({
                title: notice.kind === 'access' ? 'Your notebook' : 'From the instructor',
                body: notice.text,
                buttons: [apputils.Dialog.okButton()]
              });
            }
          }];
          // a link in the notice (the board's consent page) opens from a button: a notification's
          // text is plain, and a truncated address cannot be copied
          var link = /https?:\/\/\S+/.exec(notice.text);
          if (link) {
            actions.unshift({
              label: 'Open the link',
              callback: function () {
                window.open(link[0], '_blank', 'noopener');
              }
            });
          }
          if (notice.kind === 'access') {
            Notification.warning(notice.text, { autoClose: link ? false : 20000, actions: actions });
          } else {
            shown.push(Notification.info(notice.text, { autoClose: false, actions: actions }));
          }
        }

        function poll() {
          var after = isNaN(seen) ? 0 : seen;
          api(app, 'notices?after=' + after).then(
            function (body) {
              (body.notices || []).forEach(function (notice) {
                show(notice);
                seen = Math.max(isNaN(seen) ? 0 : seen, notice.id);
              });
              if (isNaN(seen)) {
                seen = 0;
              }
              firstLook = false;
              window.localStorage.setItem(seenKey, String(seen));
              delay = POLL_MS;
            },
            function () {
              delay = Math.min(delay * 2, POLL_MAX_MS);
            }
          ).then(function () {
            window.setTimeout(poll, delay);
          });
        }
        // a notice shown before the page is restored only counts in the bell, with no toast
        app.restored.then(function () {
          poll();
        });
      }
    };

    return [stuckPlugin, errorPlugin, noticesPlugin];
  }

  var modules = {
    './extension': function () {
      return Promise.all([
        shared('@jupyterlab/apputils'),
        shared('@jupyterlab/notebook'),
        shared('@jupyterlab/services')
      ]).then(function (loaded) {
        var plugins = build(loaded[0], loaded[1], loaded[2]);
        return function () {
          return { __esModule: true, default: plugins };
        };
      });
    }
  };

  var container = {
    init: function (scope) {
      shareScope = scope;
      return Promise.resolve();
    },
    get: function (module) {
      if (!Object.prototype.hasOwnProperty.call(modules, module)) {
        return Promise.reject(new Error('Module "' + module + '" does not exist in container.'));
      }
      return modules[module]();
    }
  };

  _JUPYTERLAB = window._JUPYTERLAB = window._JUPYTERLAB || {};
  _JUPYTERLAB[NAME] = container;
})();
