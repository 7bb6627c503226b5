global using Bifrost.Reconciliation.Extensions;
global using Bifrost.Reconciliation.Infrastructure;
global using Bifrost.Reconciliation.Model;
global using Bifrost.Reconciliation.Services;
global using Bifrost.Reconciliation.Apis;
