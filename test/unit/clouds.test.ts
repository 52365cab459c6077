import * as assert from 'node:assert/strict';
import { CloudSettingsError, cloudFromSettings, scopeFor } from '../../src/azure/clouds';

describe('Cloud settings', () => {
  it('use the public cloud when VS Code has no sovereign cloud set', () => {
    const cloud = cloudFromSettings(undefined, undefined, undefined);
    assert.equal(cloud.name, 'AzureCloud');
    assert.equal(cloud.loginServerSuffix, 'azurecr.io');
    assert.equal(cloudFromSettings('', undefined, undefined).name, 'AzureCloud');
  });

  it('follow microsoft-sovereign-cloud.environment for Azure China and US Government', () => {
    assert.equal(cloudFromSettings('ChinaCloud', undefined, undefined).loginServerSuffix, 'azurecr.cn');
    assert.equal(cloudFromSettings('USGovernment', undefined, undefined).loginServerSuffix, 'azurecr.us');
  });

  it('build a custom cloud from VS Code\'s custom environment and acrAccess.customCloud', () => {
    const cloud = cloudFromSettings(
      'custom',
      { activeDirectoryEndpointUrl: 'https://login.example/', resourceManagerEndpointUrl: 'https://arm.example/', activeDirectoryResourceId: 'https://arm-audience.example/' },
      { loginServerSuffix: 'AzureCR.Example', acrAudience: 'https://acr-audience.example' },
    );
    assert.deepEqual(cloud, {
      name: 'custom',
      authorityHost: 'https://login.example',
      armEndpoint: 'https://arm.example',
      armAudience: 'https://arm-audience.example',
      acrAudience: 'https://acr-audience.example',
      loginServerSuffix: 'azurecr.example',
    });
  });

  it('refuse an unknown environment, plain-HTTP endpoints and a missing suffix, naming the setting to fix', () => {
    assert.throws(() => cloudFromSettings('Mars', undefined, undefined), (error: Error) => error instanceof CloudSettingsError && error.message.includes('microsoft-sovereign-cloud.environment'));
    assert.throws(
      () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'http://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, { loginServerSuffix: 'azurecr.example' }),
      /activeDirectoryEndpointUrl to an https:\/\/ URL/,
    );
    assert.throws(
      () => cloudFromSettings('custom', { activeDirectoryEndpointUrl: 'https://login.example', resourceManagerEndpointUrl: 'https://arm.example' }, {}),
      /acrAccess\.customCloud\.loginServerSuffix/,
    );
  });

  it('ask for tokens with the .default scope of an audience', () => {
    assert.equal(scopeFor('https://containerregistry.azure.net'), 'https://containerregistry.azure.net/.default');
    assert.equal(scopeFor('https://management.core.windows.net/'), 'https://management.core.windows.net/.default');
  });
});
